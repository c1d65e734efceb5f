export type { SomeThing };
export type { foo } from 'bar';

import type { foo, bar } from 'baz';
import type foo from 'bar';

// https://github.com/prettier/prettier/issues/19564
export { type /* comment */ T } from 'foo';
import { type /* comment */ T } from 'foo';

export { /* e1 */ type /* e2 */ T /* e3 */ } from 'foo';
import { /* i1 */ type /* i2 */ T /* i3 */ } from 'foo';
