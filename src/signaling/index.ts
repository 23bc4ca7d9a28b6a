/**
 * netroll's signaling contract: socket.io event maps, limits and zod schemas
 * shared by the browser client (main/) and the Node server (server/).
 */
export * from './events.ts';
export { measureJson, type JsonMeasure } from './json-size.ts';
