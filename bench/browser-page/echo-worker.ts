/**
 * Echo worker for the packet-hop measurement of the browser bench.
 *
 * It mimics the engine host's packet pipe with the same transfer pattern:
 * `{ peer, buf }` posted on a MessagePort with `buf` transferred, from a
 * drift-corrected 60 Hz `setTimeout` loop (like EngineHost's tick loop).
 * The page bounces every packet straight back on the same port (as the
 * session does when the transport delivers a packet), and this worker
 * stamps the arrival. Stamps are `performance.timeOrigin + performance.now()`
 * (the clock RenderFrame.producedAt uses), written into the packet itself.
 *
 * Packet layout (Float64): [0] seq, [1] worker send, [2] page receive/re-send, [3] unused.
 */

interface EchoStart {
  type: 'start';
  port: MessagePort;
  intervalMs: number;
}
interface EchoCollect {
  type: 'collect';
}
interface EchoStop {
  type: 'stop';
}
type EchoCommand = EchoStart | EchoCollect | EchoStop;

/** What `collect` answers: the legs of every packet that came back since the last collect. */
export interface EchoSamples {
  type: 'samples';
  workerToPage: number[];
  pageToWorker: number[];
  roundTrip: number[];
  sent: number;
}

const scope = globalThis as unknown as {
  onmessage: ((ev: MessageEvent<EchoCommand>) => void) | null;
  postMessage(message: EchoSamples): void;
};

const absNow = () => performance.timeOrigin + performance.now();

let port: MessagePort | null = null;
let timer: ReturnType<typeof setTimeout> | null = null;
let seq = 0;
let sent = 0;
let samples = { workerToPage: [] as number[], pageToWorker: [] as number[], roundTrip: [] as number[] };

function send(): void {
  const buf = new ArrayBuffer(32);
  const f = new Float64Array(buf);
  f[0] = seq++;
  f[1] = absNow();
  sent++;
  port!.postMessage({ peer: 1, buf }, [buf]);
}

scope.onmessage = (ev) => {
  const cmd = ev.data;
  if (cmd.type === 'start') {
    port = cmd.port;
    port.onmessage = (e: MessageEvent<{ peer: number; buf: ArrayBuffer }>) => {
      const at = absNow();
      const f = new Float64Array(e.data.buf);
      const sentAt = f[1]!;
      const pageAt = f[2]!;
      samples.workerToPage.push(pageAt - sentAt);
      samples.pageToWorker.push(at - pageAt);
      samples.roundTrip.push(at - sentAt);
    };
    port.start();
    const interval = cmd.intervalMs;
    let nextAt = performance.now();
    const loop = () => {
      const now = performance.now();
      if (now - nextAt > 8 * interval) nextAt = now; // held up: re-base, as EngineHost does
      if (now >= nextAt) {
        send();
        nextAt += interval;
      }
      timer = setTimeout(loop, Math.max(0, nextAt - performance.now()));
    };
    loop();
  } else if (cmd.type === 'collect') {
    scope.postMessage({ type: 'samples', ...samples, sent });
    samples = { workerToPage: [], pageToWorker: [], roundTrip: [] };
    sent = 0;
  } else if (cmd.type === 'stop') {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    port?.close();
    port = null;
  }
};
