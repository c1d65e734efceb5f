export const columnsResolver = async (
	input: ColumnsResolverInput<Column>,
): Promise<ColumnsResolverOutput<Column>> => {
	const result = await promptColumnsConflicts(
		input.tableName,
		input.created,
		input.deleted,
	);
	return {
		tableName: input.tableName,
		schema: input.schema,
		created: result.created,
		deleted: result.deleted,
		renamed: result.renamed,
	};
};
