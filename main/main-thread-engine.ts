/**
 * The main-thread engine mode (`engine: { mainThread }`): the same
 * EngineHost a worker runs, exposed on a MessageChannel in this page.
 * main/session.ts imports this module dynamically, so page bundles that run
 * the engine in a worker leave the engine out.
 */
import { expose } from 'comlink';
import { EngineHost, type GameResolver } from '../worker/engine-host.ts';

/** Start an EngineHost on this thread and return the port to wrap it from. */
export function hostOnMainThread(resolve: GameResolver): MessagePort {
  const channel = new MessageChannel();
  expose(new EngineHost(resolve), channel.port1);
  return channel.port2;
}
