/**
 * How the mesh follows its signaling connection: while signaling is lost the
 * server relay cannot carry anything (the route is unavailable; packets stay
 * on P2P when it is open, else wait for the engine's resend) and links defer
 * ICE restarts (their offers could not reach the peer); once this client's
 * seat is resumed the relay is back for every peer the server has a
 * connection for, and each peer that resumes later is reachable again.
 */
import type { SignalingStateChange } from './signaling.ts';

/** What the mesh does on each signaling change. */
export interface SignalingFollower {
  /** The signaling connection dropped (or this client lost its seat). */
  signalingLost(reason: string): void;
  /** The seat is bound again; `present` are the seats the server has a connection for. */
  signalingResumed(present: readonly number[]): void;
  /** Another member's seat is bound again (it resumed after a drop or a server restart). */
  peerResumed(peer: number): void;
}

/** The signaling events the follower needs (a SignalingClient has them). */
export interface FollowedSignaling {
  on(type: 'state', handler: (change: SignalingStateChange) => void): () => void;
  on(type: 'peer-resumed', handler: (event: { playerIndex: number }) => void): () => void;
}

/** Subscribes `follower` to `signaling`; returns the unsubscribe functions. */
export function followSignaling(signaling: FollowedSignaling, follower: SignalingFollower): (() => void)[] {
  return [
    signaling.on('state', (change) => {
      if (change.state === 'lost' || change.state === 'resume-failed' || change.state === 'closed') {
        follower.signalingLost(change.reason ?? change.state);
      } else if (change.state === 'resumed') follower.signalingResumed(change.present ?? []);
    }),
    signaling.on('peer-resumed', (e) => follower.peerResumed(e.playerIndex)),
  ];
}
