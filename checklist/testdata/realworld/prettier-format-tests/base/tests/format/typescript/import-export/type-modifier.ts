export type { SomeThing };
export type { foo } from 'bar';

import type { foo, bar } from 'baz';
import type foo from 'bar';
