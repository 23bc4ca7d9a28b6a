/**
 * The server's hot path for forwarding relay packets: how many bytes wait
 * for a client ({@link pendingBytes}) and writing one `relay` event to it
 * ({@link writeRelay}).
 *
 * A socket.io binary event is two engine.io packets: a text header
 * (`51-["relay",from,{"_placeholder":true,"num":0}]`) and the binary
 * attachment. Emitted the usual way, engine.io writes the header at once and
 * the attachment only after that write completes: two WebSocket frames in two
 * `writev` system calls, which were half of the server's CPU time under load.
 * {@link writeRelay} queues both packets before engine.io flushes, and
 * {@link coalesceFlushes} corks the TCP socket around every flush, so both
 * frames (and anything else queued with them) leave in one `writev`.
 * The frames on the wire are exactly those `socket.emit('relay', from, bytes)`
 * sends (socket.io protocol 5, main namespace, no ack).
 *
 * This reads engine.io 6 and ws 8 internals that their typings do not
 * declare (`flush`, `writeBuffer`, the WebSocket and its TCP socket). Each is
 * checked when first seen on a transport and cached per transport object (a
 * connection that upgrades gets a new one); when one is missing, the packets
 * go through engine.io's public `write` one after the other, so an upgrade of
 * either library can only make this slower, never wrong.
 */
import { Socket as NetSocket } from 'node:net';
import type { NetrollSocket } from './signaling.ts';

/** Beyond this many packets waiting in a connection's write buffer it counts as over any byte threshold. */
const MAX_COUNTED_PACKETS = 2048;

/** The engine.io connection under a socket.io socket. */
type EngineConn = NetrollSocket['conn'];
/** One engine.io transport (websocket or polling). */
type Transport = EngineConn['transport'];

/** The internals of one transport, looked up and checked once. */
interface TransportParts {
  /** The `ws` WebSocket (for `bufferedAmount`), if this is the websocket transport. */
  readonly ws: object | undefined;
  /** The TCP socket under the WebSocket, for corking, if reachable. */
  readonly tcp: NetSocket | undefined;
  /** engine.io's (untyped) `flush` of this connection, if several packets can be queued and written at once (a WebSocket only). */
  readonly flush: (() => void) | undefined;
}

const partsByTransport = new WeakMap<Transport, TransportParts>();

function transportParts(conn: EngineConn, transport: Transport): TransportParts {
  let parts = partsByTransport.get(transport);
  if (parts) return parts;
  const socket: unknown = transport.name === 'websocket' ? Reflect.get(transport, 'socket') : undefined;
  const ws = socket !== null && typeof socket === 'object' && typeof Reflect.get(socket, 'bufferedAmount') === 'number' ? socket : undefined;
  const tcp: unknown = ws ? Reflect.get(ws, '_socket') : undefined;
  const flush: unknown = Reflect.get(conn, 'flush');
  const canBatch = ws !== undefined && typeof transport.writable === 'boolean' && Array.isArray(Reflect.get(conn, 'writeBuffer')) && typeof flush === 'function';
  parts = {
    ws,
    tcp: tcp instanceof NetSocket ? tcp : undefined,
    flush: canBatch ? (): void => void Reflect.apply(flush, conn, []) : undefined,
  };
  partsByTransport.set(transport, parts);
  return parts;
}

/**
 * Bytes waiting to be written to `socket`'s client: engine.io's write buffer
 * plus what the WebSocket has not handed to the kernel yet.
 */
export function pendingBytes(socket: NetrollSocket): number {
  const conn = socket.conn;
  const buffer: unknown = Reflect.get(conn, 'writeBuffer');
  const packets: readonly unknown[] = Array.isArray(buffer) ? buffer : [];
  if (packets.length >= MAX_COUNTED_PACKETS) return Infinity;
  const { ws } = transportParts(conn, conn.transport);
  const buffered: unknown = ws ? Reflect.get(ws, 'bufferedAmount') : 0;
  let bytes = typeof buffered === 'number' ? buffered : 0;
  for (const p of packets) {
    const d: unknown = p !== null && typeof p === 'object' ? Reflect.get(p, 'data') : undefined;
    bytes += typeof d === 'string' ? d.length : d instanceof ArrayBuffer || ArrayBuffer.isView(d) ? d.byteLength : 16;
  }
  return bytes;
}

/**
 * The socket.io header packet of `relay(from, <1 attachment>)` for each player index (0–7, as
 * the schema allows): type 5 (binary event), 1 attachment, main namespace, no ack id.
 * (engine.io adds its own `4`, "message", on the wire: `451-[…]`.)
 */
const RELAY_HEADERS: readonly string[] = Array.from({ length: 8 }, (_, from) => `51-${JSON.stringify(['relay', from, { _placeholder: true, num: 0 }])}`);

/** The socket.io header packet of `spectator-data(<1 attachment>)` (the server's fan-out to a spectator), as {@link RELAY_HEADERS}. */
const SPECTATOR_DATA_HEADER = `51-${JSON.stringify(['spectator-data', { _placeholder: true, num: 0 }])}`;

/**
 * Makes every flush of `socket`'s engine.io write buffer one `writev`: the
 * TCP socket is corked on engine.io's `flush` event (emitted just before the
 * buffered packets go to the transport) and uncorked on its `drain` event
 * (emitted just after). Without this each WebSocket frame is its own system
 * call. Call once per connection.
 */
export function coalesceFlushes(socket: NetrollSocket): void {
  const conn = socket.conn;
  let corked: NetSocket | undefined;
  conn.on('flush', () => {
    corked = transportParts(conn, conn.transport).tcp;
    corked?.cork();
  });
  conn.on('drain', () => {
    corked?.uncork();
    corked = undefined;
  });
}

/**
 * Sends `relay(from, packet)` to `socket`'s client: the same frames as
 * `socket.emit('relay', from, packet)`, flushed together (with
 * {@link coalesceFlushes}: in one write) instead of one after the other.
 */
export function writeRelay(socket: NetrollSocket, from: number, packet: Uint8Array): void {
  const header = RELAY_HEADERS[from];
  if (header === undefined) throw new RangeError(`relay: no player ${from}`);
  writeBinaryEvent(socket, header, packet);
}

/**
 * Sends `spectator-data(packet)` to a spectator's client: the same frames as
 * `socket.emit('spectator-data', packet)`, written like a relay packet
 * (one flush, one `writev` with {@link coalesceFlushes}), so the server's
 * fan-out costs per spectator what a relay packet costs. `packet` is only
 * read: one buffer may go to every spectator.
 */
export function writeSpectatorData(socket: NetrollSocket, packet: Uint8Array): void {
  writeBinaryEvent(socket, SPECTATOR_DATA_HEADER, packet);
}

/** Queues a binary event's header and attachment packets and flushes them together (see the file comment). */
function writeBinaryEvent(socket: NetrollSocket, header: string, packet: Uint8Array): void {
  const conn = socket.conn;
  // socket.io drops what is emitted to a connection that is not open; so does this.
  if (conn.readyState !== 'open') return;
  const transport = conn.transport;
  const { flush } = transportParts(conn, transport);
  if (!flush || !transport.writable) {
    // Not a WebSocket, or a write is in progress: engine.io queues both packets
    // and writes them with whatever else waits once that write completes.
    conn.write(header);
    conn.write(packet);
    return;
  }
  // Queue both packets (engine.io flushes only a writable transport), then flush them together.
  transport.writable = false;
  try {
    conn.write(header);
    conn.write(packet);
  } finally {
    transport.writable = true;
  }
  flush();
}
