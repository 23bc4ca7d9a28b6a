/**
 * The card over the canvas for the states where there is no game to look at
 * (waiting, connecting, ended, error), and a slim banner while a partner lags.
 */
import type { StatusView } from './status.ts';

export class Overlay {
  constructor(
    private readonly el: HTMLElement,
    private readonly pageUrl: string,
  ) {}

  show(view: StatusView): void {
    const el = this.el;
    el.dataset.status = view.status;
    el.hidden = view.status === 'connected';
    const title = document.createElement('h2');
    title.textContent = view.title;
    const detail = document.createElement('p');
    detail.textContent = view.detail;
    const parts: HTMLElement[] = [title];
    if (view.status === 'waiting' || view.status === 'connecting') {
      const spinner = document.createElement('div');
      spinner.className = 'spinner';
      parts.unshift(spinner);
    }
    if (view.status !== 'lagging') parts.push(detail);
    if (view.status === 'waiting') {
      const link = document.createElement('code');
      link.className = 'share';
      link.textContent = this.pageUrl;
      parts.push(link);
    }
    if (view.status === 'ended' || view.status === 'error') {
      const again = document.createElement('button');
      again.textContent = 'Play again';
      again.addEventListener('click', () => location.reload());
      parts.push(again);
    }
    el.replaceChildren(...parts);
  }
}
