/** The score line above the canvas: one chip per player, the local one marked. */
import { ARENA_DEFAULTS, type ArenaRender } from '../src/games/arena.ts';
import { playerColor } from './arena-view.ts';

export class Scoreboard {
  private shown = '';

  constructor(private readonly el: HTMLElement) {}

  update(state: ArenaRender | null, localPlayer: number | null, round: number): void {
    const key = state ? `${round}|${localPlayer}|${state.players.map((p) => p.score).join(',')}` : '';
    if (key === this.shown) return;
    this.shown = key;
    if (!state) {
      this.el.replaceChildren();
      return;
    }
    const chips = state.players.map((p, i) => {
      const chip = document.createElement('span');
      chip.className = 'chip';
      if (i === localPlayer) chip.classList.add('me');
      chip.style.setProperty('--player', playerColor(i));
      chip.innerHTML = `<i></i>P${i + 1}${i === localPlayer ? ' (you)' : ''}<b>${p.score}</b>`;
      return chip;
    });
    const roundEl = document.createElement('span');
    roundEl.className = 'round';
    roundEl.textContent = `round ${round + 1} · first to ${ARENA_DEFAULTS.targetScore}`;
    this.el.replaceChildren(...chips, roundEl);
  }
}
