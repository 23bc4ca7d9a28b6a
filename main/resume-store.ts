/**
 * Where a page keeps its resume secret: `sessionStorage` (per tab, survives
 * a reload, gone with the tab), under {@link RESUME_STORAGE_KEY} unless
 * another key is configured. The value is JSON `{ server, secret, session,
 * playerIndex }`; anything else found there is ignored. Without
 * `sessionStorage` (Node, or storage disabled) nothing is kept.
 */
import { z } from 'zod';
import { playerIndexSchema, resumeSecretSchema } from '../src/signaling/events.ts';

/** The default `sessionStorage` key of the resume record. */
export const RESUME_STORAGE_KEY = 'netroll.resume';

/** What a page keeps to take its seat back after a reload. */
export interface ResumeRecord {
  /** The server URL the session lives on. */
  readonly server: string;
  /** The seat's resume secret (from the assignment). */
  readonly secret: string;
  /** Session id. */
  readonly session: string;
  /** This page's player index. */
  readonly playerIndex: number;
}

const recordSchema = z.object({
  server: z.string().max(2048),
  secret: resumeSecretSchema,
  session: z.string().min(1).max(100),
  playerIndex: playerIndexSchema,
});

/** The part of the Web Storage API used here. */
interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

function storage(): StorageLike | null {
  try {
    return (globalThis as { sessionStorage?: StorageLike }).sessionStorage ?? null;
  } catch {
    return null; // storage disabled (e.g. a sandboxed frame): a reload then cannot resume
  }
}

/** Keeps `record` under `key` (a no-op without sessionStorage or when storing fails). */
export function saveResumeRecord(record: ResumeRecord, key: string = RESUME_STORAGE_KEY): void {
  try {
    storage()?.setItem(key, JSON.stringify(record));
  } catch {
    // quota or disabled storage: resuming after a reload is then not possible, playing still is
  }
}

/** The record kept under `key`, if any is there and well formed (and, given `server`, for that server). */
export function loadResumeRecord(key: string = RESUME_STORAGE_KEY, server?: string): ResumeRecord | null {
  let raw: string | null;
  try {
    raw = storage()?.getItem(key) ?? null;
  } catch {
    return null;
  }
  if (raw === null || raw.length > 16_384) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  const r = recordSchema.safeParse(value);
  if (!r.success || (server !== undefined && r.data.server !== server)) return null;
  return r.data;
}

/** Forgets the record under `key` (after leaving, or when the server refused it). */
export function clearResumeRecord(key: string = RESUME_STORAGE_KEY): void {
  try {
    storage()?.removeItem(key);
  } catch {
    // nothing kept, nothing to clear
  }
}
