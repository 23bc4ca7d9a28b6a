/**
 * A pure-Python wheel shipped with the app (here: built on the fly into a
 * scratch directory) installs from a local path, with no index or CDN, and
 * a game imports it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { asGame, pyodideGame } from '../../python/game.ts';
import { loadPython } from '../../python/loader.ts';

const dir = mkdtempSync(join(tmpdir(), 'netroll-wheel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('wheels served with the app', () => {
  it('installs a local pure-Python wheel and a game imports it', async () => {
    const py = await loadPython();
    // Build netroll_fixture_util-1.0 as a wheel with Python's own zipfile.
    const wheel = py.runPython(`
import io, zipfile, base64, hashlib
files = {
    "netroll_fixture_util/__init__.py": "def clamp(v, lo, hi):\\n    return lo if v < lo else hi if v > hi else v\\n",
    "netroll_fixture_util-1.0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: netroll-fixture-util\\nVersion: 1.0\\n",
    "netroll_fixture_util-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
def digest(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
record = "".join(f"{name},{digest(text.encode())},{len(text.encode())}\\n" for name, text in files.items())
record += "netroll_fixture_util-1.0.dist-info/RECORD,,\\n"
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    for name, text in files.items():
        z.writestr(name, text)
    z.writestr("netroll_fixture_util-1.0.dist-info/RECORD", record)
buf.getvalue()
`) as { toJs(): Uint8Array; destroy(): void };
    const path = join(dir, 'netroll_fixture_util-1.0-py3-none-any.whl');
    writeFileSync(path, wheel.toJs());
    wheel.destroy();
    await loadPython({ packages: [path] });
    const game = asGame(
      await pyodideGame({
        pyodide: py,
        source: `
import struct
from netroll_fixture_util import clamp
class Clamped:
    def __init__(self, players): self.x = 0
    def reset(self, seed): self.x = 0
    def step(self, actions): self.x = clamp(self.x + actions[0] - actions[1], -5, 5)
    def get_state(self): return struct.pack("<i", self.x)
    def set_state(self, b): (self.x,) = struct.unpack("<i", b)
    def render(self): return {"x": self.x}
netroll_game = Clamped
`,
      }),
    );
    const s = game.init(1, 2);
    for (let f = 0; f < 9; f++) game.step(s, Uint8Array.of(1, 0), f);
    expect(game.render!(s)).toEqual({ x: 5 });
  });
});
