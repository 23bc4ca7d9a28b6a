/** Where ensure-deps.mjs records the lockfile hash node_modules was installed from. */
export declare const STAMP: string;
/** In project directory `dir` (default '.'): `want`, the hash of package-lock.json (or package.json without one); `have`, the stamp's ('' when missing). */
export declare function depsStamp(dir?: string): { want: string; have: string; lock: boolean };
