/**
 * Everything a researcher changes about the example study, in one place.
 * The page (main.ts) reads nothing else. A few numbers may be overridden
 * from the address for pilots and tests (`OVERRIDABLE`), e.g.
 * `?participant=P01&rounds=2&roundFrames=300`.
 */
export interface StudyConfig {
  /** Shown at the top of every screen. */
  title: string;
  /** The consent text, one paragraph per entry. */
  consent: string[];
  /** The address parameter holding the participant id (e.g. Prolific's `PROLIFIC_PID`). */
  participantParam: string;
  /** Without an id in the address: `true` makes up an anonymous one (pilots), `false` refuses to start. */
  allowAnonymous: boolean;
  /** Players per session. */
  players: number;
  /** Matchmaking queue: participants in the same queue are paired. */
  queue: string;
  /** How long the waiting room waits for a partner, ms (the server's own limit caps it). */
  waitTimeoutMs: number;
  /** Rounds (episodes) per session. */
  rounds: number;
  /** Frames per round (60 frames = 1 s): the arena's `episodeFrames`. */
  roundFrames: number;
  /** Countdown between rounds, frames; it starts only when every player is looking at the page. 0: none. */
  countdownFrames: number;
  /** Hold the game for everybody while a player's tab is hidden. */
  pauseOnPeerHidden: boolean;
  /** End the session when a player's tab stays hidden this long, ms (0: never). */
  focusLossTimeoutMs: number;
  /** The code a participant who finished gets (e.g. your Prolific completion code). */
  completionCode: string;
  /** The code for a session that ended early through no fault of this participant ('' for none). */
  partialCode: string;
  /** End screen texts per way the session ended. */
  messages: {
    completed: string;
    partnerLeft: string;
    focusTimeout: string;
    waitTimeout: string;
    refused: string;
    error: string;
  };
}

const config: StudyConfig = {
  title: 'A short two-player study',
  consent: [
    'You will play a short game with another participant: move with the arrow keys (or WASD) and collect coins.',
    'We record your key presses, the game, and when this tab is hidden. No personal data beyond your participant id is stored.',
    'Please keep this tab in view while you play: the game pauses while a player looks away, and ends if one stays away for 30 seconds.',
  ],
  participantParam: 'participant',
  allowAnonymous: true,
  players: 2,
  queue: 'study',
  waitTimeoutMs: 120_000,
  rounds: 3,
  roundFrames: 1800,
  countdownFrames: 180,
  pauseOnPeerHidden: true,
  focusLossTimeoutMs: 30_000,
  completionCode: 'NETROLL-STUDY-DONE',
  partialCode: 'NETROLL-STUDY-PARTIAL',
  messages: {
    completed: 'Thank you, you finished the study.',
    partnerLeft: 'Your partner left the study. You are not at fault.',
    focusTimeout: 'The study ended because a player left the game tab for too long.',
    waitTimeout: 'No partner arrived in time. Please try again later.',
    refused: 'This participant id cannot start the study again.',
    error: 'Something went wrong. Please contact the researchers.',
  },
};

/** Numbers a pilot or a test may set from the address (`?rounds=2`). */
export const OVERRIDABLE = ['rounds', 'roundFrames', 'countdownFrames', 'focusLossTimeoutMs', 'waitTimeoutMs'] as const;

export default config;
