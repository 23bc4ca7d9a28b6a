/**
 * bench:load at a tiny scale (20 clients, 2 nodes sharing a Redis, each
 * node its own process): sessions form across nodes, signals reach peers on
 * the other node, relayed packets arrive, and nothing fails. Behaviour only;
 * the timings it prints are not checked.
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface NodeFigures {
  clients: number;
  eventLoopLagMsP99: number;
  rssMB: number;
}

function runBench(args: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/load.ts', '--json', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 150_000 });
  const lines = r.stdout.trim().split('\n');
  if (r.status !== 0) throw new Error(`bench:load exited ${String(r.status ?? r.signal)}: ${r.stderr.slice(-2000)}`);
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

describe('bench:load', () => {
  it('24 clients on 2 nodes: every pair forms a session, about half across nodes, with 0 errors', () => {
    const out = runBench(['--clients', '24', '--nodes', '2', '--duration-ms', '1000', '--relay-fraction', '0.5', '--queues', '2', '--no-compare']);
    expect(out['nodes']).toBe(2);
    expect(out['redis']).toBe(true);
    expect(out['clients']).toBe(24);
    expect(out['sessionsFormed']).toBe(12);
    expect(out['errors']).toBe(0);
    // Even pairs of neighbours sit on two nodes and join one queue back to back, so sessions form across nodes.
    expect(out['crossNodeSessions']).toBeGreaterThan(0);
    const perNode = out['perNode'] as NodeFigures[];
    expect(perNode.map((n) => n.clients)).toEqual([12, 12]);
    for (const n of perNode) {
      expect(n.eventLoopLagMsP99).toBeGreaterThan(0);
      expect(n.rssMB).toBeGreaterThan(10);
    }
    // Every member received its peer's offer or answer and candidates: the signal latency was measured.
    expect(out['signalLatencyMsP99']).toBeGreaterThan(0);
    expect(out['joinToAssignedMsP99']).toBeGreaterThanOrEqual(0);
    // Half the sessions relayed at 60 Hz, and the packets reached the peers (across nodes too).
    expect(out['relaySessions']).toBe(6);
    expect(out['relayPacketsSent'] as number).toBeGreaterThan(0);
    expect(out['relayDeliveredRatio'] as number).toBeGreaterThan(0.95);
    expect(out['definitions']).toHaveProperty('crossNodeSessions');
  }, 180_000);

  it('a single node without Redis forms every session on it', () => {
    const out = runBench(['--clients', '20', '--nodes', '1', '--no-redis', '--duration-ms', '500']);
    expect(out['nodes']).toBe(1);
    expect(out['redis']).toBe(false);
    expect(out['sessionsFormed']).toBe(10);
    expect(out['crossNodeSessions']).toBe(0);
    expect(out['errors']).toBe(0);
    expect(out).not.toHaveProperty('single');
  }, 180_000);
});
