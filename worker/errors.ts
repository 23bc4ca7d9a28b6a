/**
 * NetrollErrors keep their code across Comlink. Comlink sends a thrown
 * Error as its name, message and stack only, so a `NetrollError` thrown in
 * the engine host would reach the page as a plain `Error`. This wraps
 * Comlink's `throw` handler: a NetrollError travels with its code (and
 * event) and is rebuilt as a NetrollError on the other side; anything else
 * goes through Comlink's own handler unchanged. Install it on both ends
 * (the worker's `hostEngine` and the page's `createSession` do).
 */
import { transferHandlers, type TransferHandler } from 'comlink';
import { isErrorCode, NetrollError } from '../src/contracts/errors.ts';

/** What Comlink's throw handler is given: the thrown value under `value`. */
interface Thrown {
  value: unknown;
}

/** The wire form of a thrown NetrollError. */
interface SerializedNetrollError {
  isNetrollError: true;
  value: { code: string; message: string; event?: string; stack?: string };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function isSerializedNetrollError(v: unknown): v is SerializedNetrollError {
  return isRecord(v) && v['isNetrollError'] === true && isRecord(v['value']) && typeof v['value']['message'] === 'string';
}

let installed = false;

/** Install the handler (idempotent). */
export function installErrorTransfer(): void {
  if (installed) return;
  const base = transferHandlers.get('throw');
  if (!base) return;
  installed = true;
  const handler: TransferHandler<Thrown, unknown> = {
    canHandle: (value): value is Thrown => base.canHandle(value),
    serialize(thrown) {
      const e = thrown.value;
      if (e instanceof NetrollError) {
        const wire: SerializedNetrollError = {
          isNetrollError: true,
          value: { code: e.code, message: e.message, ...(e.event === undefined ? {} : { event: e.event }), ...(e.stack === undefined ? {} : { stack: e.stack }) },
        };
        return [wire, []];
      }
      return base.serialize(thrown);
    },
    deserialize(serialized): Thrown {
      if (isSerializedNetrollError(serialized)) {
        const { code, message, event } = serialized.value;
        if (isErrorCode(code)) throw new NetrollError(code, message, event === undefined ? undefined : { event });
      }
      // Comlink's own handler always throws (it rebuilds what was thrown)
      base.deserialize(serialized);
      throw new Error('a thrown value did not deserialize');
    },
  };
  transferHandlers.set('throw', handler as TransferHandler<unknown, unknown>);
}
