/** Vite's `?raw` imports of Python sources. */
declare module '*.py?raw' {
  const source: string;
  export default source;
}
