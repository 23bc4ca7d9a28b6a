/** Shapes exchanged between tests/e2e/python.test.ts (Node) and its drop-in test page. No DOM types here. */

export interface DropinOptions {
  bundle: string;
  gameUrl: string;
  game: string;
  frames: number;
}

export interface DropinResult {
  /** Per session: `new Worker` → `createSession` resolved (Pyodide loaded, game ready), ms. */
  readyMs: number[];
  confirmedFrames: number[];
  desyncs: number[];
  logsIdentical: boolean;
  hashes: number[];
  errors: { code: string | undefined; message: string }[];
  lastRender: unknown;
}

export interface DropinFailure {
  name: string;
  code: string | null;
  message: string;
}
