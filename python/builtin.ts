/** The Python example games bundled into the built-in worker (`py-slime`). */
import slime from '../examples/python/slime.py?raw';

/** Module name → source of the example games. */
export const PYTHON_EXAMPLES: Readonly<Record<string, string>> = { slime };
