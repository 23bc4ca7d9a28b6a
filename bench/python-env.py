"""A pure-Python 200-entity environment for the bench (the size the Python
games of research platforms have): integer motion with wall bounces, a
seeded random.Random kept in the state, pickle snapshots."""
import pickle
import random


class Swarm:
    def __init__(self, players, entities=200):
        self.n = entities
        self.reset(0)

    def reset(self, seed):
        self.rng = random.Random(seed)
        r = self.rng.randrange
        self.pos = [[r(0, 100000), r(0, 100000)] for _ in range(self.n)]
        self.vel = [[r(-300, 301), r(-300, 301)] for _ in range(self.n)]
        self.frame = 0

    def step(self, actions):
        push = sum(actions) % 7 - 3
        for p, v in zip(self.pos, self.vel):
            v[0] += push
            p[0] += v[0]
            p[1] += v[1]
            if p[0] < 0 or p[0] > 100000:
                v[0] = -v[0]
            if p[1] < 0 or p[1] > 100000:
                v[1] = -v[1]
        if self.frame % 30 == 0:
            i = self.rng.randrange(self.n)
            self.vel[i] = [self.rng.randrange(-300, 301), self.rng.randrange(-300, 301)]
        self.frame += 1

    def get_state(self):
        return pickle.dumps((self.frame, self.pos, self.vel, self.rng.getstate()), protocol=5)

    def set_state(self, data):
        self.frame, self.pos, self.vel, rng = pickle.loads(data)
        self.rng.setstate(rng)


netroll_game = Swarm
