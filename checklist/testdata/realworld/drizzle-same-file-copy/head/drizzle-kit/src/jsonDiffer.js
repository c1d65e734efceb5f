'use-strict';
import { diff } from 'json-diff';

export function diffSchemasOrTables(left, right) {
	left = JSON.parse(JSON.stringify(left));
	right = JSON.parse(JSON.stringify(right));

	const result = Object.entries(diff(left, right) ?? {});

	const added = result
		.filter((it) => it[0].endsWith('__added'))
		.map((it) => it[1]);
	const deleted = result
		.filter((it) => it[0].endsWith('__deleted'))
		.map((it) => it[1]);

	return { added, deleted };
}

export function diffIndPolicies(left, right) {
	left = JSON.parse(JSON.stringify(left));
	right = JSON.parse(JSON.stringify(right));

	const result = Object.entries(diff(left, right) ?? {});

	const added = result
		.filter((it) => it[0].endsWith('__added'))
		.map((it) => it[1]);
	const deleted = result
		.filter((it) => it[0].endsWith('__deleted'))
		.map((it) => it[1]);

	return { added, deleted };
}
