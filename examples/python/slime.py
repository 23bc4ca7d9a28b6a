"""Slime volleyball for netroll: a deterministic Gymnasium-style environment.

Two teams of slimes (half-discs) hit a ball over a net; a point is scored
when the ball touches the ground on the other team's side. Players 0, 2
play on the left, players 1, 3 on the right (2 to 4 players).

Determinism rules this file follows (and every netroll Python game must):
- integer math only (positions are in 1/100 pixel), no floats in the state;
- all randomness comes from a ``random.Random`` seeded in ``reset`` and
  saved with the rest of the state (``get_state``/``set_state``);
- no wall clock, no ``set``/``dict`` iteration order in the outcome;
- ``get_state`` packs the whole state with ``struct`` into bytes, so equal
  states give equal bytes (the engine hashes them to detect desyncs).

Input: one byte a player, the built-in games' layout: up 1, down 2,
left 4, right 8, action 16. Up or action jumps.
"""

import random
import struct
from math import isqrt

INPUT_UP = 1
INPUT_LEFT = 4
INPUT_RIGHT = 8
INPUT_ACTION = 16

WIDTH = 80000          # court width (1/100 px): 800 px
HEIGHT = 40000         # court height: 400 px
NET_X = WIDTH // 2
NET_HALF_WIDTH = 400
NET_HEIGHT = 7000
SLIME_RADIUS = 4000
BALL_RADIUS = 1000
SLIME_SPEED = 600      # per frame
SLIME_JUMP = 1500
SLIME_GRAVITY = 100
BALL_GRAVITY = 35
BALL_MAX_SPEED = 1700
SERVE_HEIGHT = 20000
POINT_PAUSE = 60       # frames between a point and the next serve

_HEADER = struct.Struct("<8i")   # frame, score0, score1, serve side, pause, touches0, touches1, players
_BODY = struct.Struct("<4i")     # x, y, vx, vy
_RNG = struct.Struct("<625I")    # Mersenne Twister words + position


class SlimeVolley:
    """A netroll Python game: ``reset``, ``step``, ``get_state``/``set_state``, ``render``."""

    input_size = 1

    def __init__(self, players=2, target=7, episode_frames=3600):
        if not 2 <= players <= 4:
            raise ValueError(f"slime volleyball takes 2 to 4 players, got {players}")
        self.players = players
        self.target = int(target)
        self.episode_frames = int(episode_frames)
        self.rng = random.Random(0)
        self.reset(0)

    # ------------------------------------------------------------ lifecycle

    def reset(self, seed):
        self.rng = random.Random(seed)
        self.frame = 0
        self.score = [0, 0]
        self.touches = [0, 0]
        self.pause = 0
        self.slimes = []
        for p in range(self.players):
            side = p % 2
            slot = p // 2  # second player of a team starts further back
            x = WIDTH // 4 - slot * 12000 if side == 0 else 3 * WIDTH // 4 + slot * 12000
            self.slimes.append([x, 0, 0, 0])
        self.serve_side = self.rng.randrange(2)
        self.ball = [0, 0, 0, 0]
        self._serve()

    def _serve(self):
        x = WIDTH // 4 if self.serve_side == 0 else 3 * WIDTH // 4
        self.ball = [x, SERVE_HEIGHT, self.rng.randrange(-300, 301), 0]

    def step(self, actions):
        """Advance one frame. ``actions[p]`` is player ``p``'s input byte."""
        self.frame += 1
        for p, slime in enumerate(self.slimes):
            self._move_slime(slime, p % 2, actions[p])
        if self.pause > 0:
            self.pause -= 1
            if self.pause == 0:
                self._serve()
            return
        self._move_ball()

    def episode_over(self):
        return max(self.score) >= self.target or self.frame >= self.episode_frames

    # -------------------------------------------------------------- physics

    def _move_slime(self, s, side, action):
        vx = 0
        if action & INPUT_LEFT:
            vx -= SLIME_SPEED
        if action & INPUT_RIGHT:
            vx += SLIME_SPEED
        s[2] = vx
        if action & (INPUT_UP | INPUT_ACTION) and s[1] == 0:
            s[3] = SLIME_JUMP
        s[0] += s[2]
        lo = SLIME_RADIUS if side == 0 else NET_X + NET_HALF_WIDTH + SLIME_RADIUS
        hi = NET_X - NET_HALF_WIDTH - SLIME_RADIUS if side == 0 else WIDTH - SLIME_RADIUS
        s[0] = min(hi, max(lo, s[0]))
        if s[1] > 0 or s[3] > 0:
            s[1] += s[3]
            s[3] -= SLIME_GRAVITY
            if s[1] <= 0:
                s[1] = 0
                s[3] = 0

    def _move_ball(self):
        b = self.ball
        b[3] -= BALL_GRAVITY
        b[0] += b[2]
        b[1] += b[3]
        # Slimes: bounce off the upper half-disc, relative to its motion.
        reach = SLIME_RADIUS + BALL_RADIUS
        for p, s in enumerate(self.slimes):
            dx = b[0] - s[0]
            dy = b[1] - s[1]
            if dy < 0:
                continue
            d2 = dx * dx + dy * dy
            if d2 >= reach * reach or d2 == 0:
                continue
            dist = isqrt(d2)
            if dist == 0:
                continue
            b[0] = s[0] + dx * reach // dist
            b[1] = s[1] + dy * reach // dist
            rvx = b[2] - s[2]
            rvy = b[3] - s[3]
            dot = (dx * rvx + dy * rvy) // dist
            if dot < 0:
                b[2] = b[2] - 2 * dot * dx // dist + s[2] // 4
                b[3] = b[3] - 2 * dot * dy // dist + s[3] // 4
            self.touches[p % 2] += 1
        b[2] = max(-BALL_MAX_SPEED, min(BALL_MAX_SPEED, b[2]))
        b[3] = max(-BALL_MAX_SPEED, min(BALL_MAX_SPEED, b[3]))
        # Walls and ceiling.
        if b[0] < BALL_RADIUS:
            b[0] = BALL_RADIUS
            b[2] = -b[2]
        elif b[0] > WIDTH - BALL_RADIUS:
            b[0] = WIDTH - BALL_RADIUS
            b[2] = -b[2]
        if b[1] > HEIGHT - BALL_RADIUS:
            b[1] = HEIGHT - BALL_RADIUS
            b[3] = -abs(b[3])
        # The net: a post from the ground to NET_HEIGHT.
        if abs(b[0] - NET_X) < NET_HALF_WIDTH + BALL_RADIUS and b[1] < NET_HEIGHT + BALL_RADIUS:
            if b[1] - b[3] >= NET_HEIGHT + BALL_RADIUS and b[3] < 0:
                b[1] = NET_HEIGHT + BALL_RADIUS
                b[3] = -b[3]
            elif b[0] < NET_X:
                b[0] = NET_X - NET_HALF_WIDTH - BALL_RADIUS
                b[2] = -abs(b[2])
            else:
                b[0] = NET_X + NET_HALF_WIDTH + BALL_RADIUS
                b[2] = abs(b[2])
        # The ground: a point for the other side.
        if b[1] <= BALL_RADIUS:
            b[1] = BALL_RADIUS
            loser = 0 if b[0] < NET_X else 1
            self.score[1 - loser] += 1
            self.serve_side = loser
            self.pause = POINT_PAUSE
            b[2] = 0
            b[3] = 0

    # ---------------------------------------------------------- snapshots

    def get_state(self):
        version, words, gauss = self.rng.getstate()
        parts = [
            _HEADER.pack(self.frame, self.score[0], self.score[1], self.serve_side, self.pause,
                         self.touches[0], self.touches[1], self.players),
            _BODY.pack(*self.ball),
        ]
        parts.extend(_BODY.pack(*s) for s in self.slimes)
        parts.append(_RNG.pack(*words))
        return b"".join(parts)

    def set_state(self, data):
        h = _HEADER.unpack_from(data, 0)
        self.frame, s0, s1, self.serve_side, self.pause, t0, t1, players = h
        self.score = [s0, s1]
        self.touches = [t0, t1]
        off = _HEADER.size
        self.ball = list(_BODY.unpack_from(data, off))
        off += _BODY.size
        self.slimes = []
        for _ in range(players):
            self.slimes.append(list(_BODY.unpack_from(data, off)))
            off += _BODY.size
        self.players = players
        self.rng.setstate((3, _RNG.unpack_from(data, off), None))

    # -------------------------------------------------------- UI and data

    def render(self):
        return {
            "width": WIDTH,
            "height": HEIGHT,
            "netX": NET_X,
            "netHeight": NET_HEIGHT,
            "slimeRadius": SLIME_RADIUS,
            "ballRadius": BALL_RADIUS,
            "frame": self.frame,
            "score": list(self.score),
            "ball": self.ball[:2],
            "slimes": [s[:2] for s in self.slimes],
            "paused": self.pause > 0,
        }

    def record(self):
        """What the research export keeps about an episode (one column each)."""
        return {
            "score_left": self.score[0],
            "score_right": self.score[1],
            "winner": -1 if self.score[0] == self.score[1] else (0 if self.score[0] > self.score[1] else 1),
            "frames": self.frame,
            "touches_left": self.touches[0],
            "touches_right": self.touches[1],
        }


netroll_game = SlimeVolley
