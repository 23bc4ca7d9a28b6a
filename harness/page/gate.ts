/**
 * A link gate for the e2e page: while `closed`, nothing this page's link
 * carries for the game goes out or comes in (engine packets and reliable
 * messages, both ways), so for the game and the mesh the two pages are cut
 * off from each other; the underlying PeerLink (its DataChannels, ICE and
 * health pings) stays up. This is a page-level cut, not a network one, and
 * it cuts only what passes the page: a test that uses it keeps the inputs
 * channels on the page (`mesh.channelsInEngine: false`).
 */
import type { Link, LinkEvents } from '../../main/link.ts';

/** Shared switch of every gated link of the page. */
export const gate = { closed: false, dropped: 0 };

/** `inner`, gated by {@link gate}. */
export function gated(inner: Link): Link {
  return {
    get open() {
      return inner.open;
    },
    get inputsInEngine() {
      return inner.inputsInEngine;
    },
    get iceRestarts() {
      return inner.iceRestarts;
    },
    get connectionHistory() {
      return inner.connectionHistory;
    },
    signalingAvailable: (up) => inner.signalingAvailable(up),
    start: () => inner.start(),
    handleSignal: (kind, data) => inner.handleSignal(kind, data),
    send(packet) {
      if (gate.closed) {
        gate.dropped++;
        return true;
      }
      return inner.send(packet);
    },
    sendControl(payload) {
      if (gate.closed) {
        gate.dropped++;
        return true;
      }
      return inner.sendControl(payload);
    },
    health: () => inner.health(),
    connection: () => inner.connection(),
    on<K extends keyof LinkEvents>(type: K, handler: (payload: LinkEvents[K]) => void) {
      if (type !== 'packet' && type !== 'control') return inner.on(type, handler);
      return inner.on(type, (payload) => {
        if (gate.closed) gate.dropped++;
        else handler(payload);
      });
    },
    close: () => inner.close(),
  };
}
