import { defineConfig } from 'vite';

/** The fresh app's Vite configuration: module workers. */
export default defineConfig({ worker: { format: 'es' } });
