import type { OnceCall } from '../core/OnceStore.js';

/**
 * @internal Asked as a delivery's turn is about to start, before its `received` acknowledgment
 * (`EngineSeam.admitTurns`): `undefined` runs the handler; an error fails the delivery with it
 * instead, the handler never called (a worker fenced off a partition it may have lost must not start
 * that partition's handlers).
 */
export type TurnAdmission = (turn: OnceCall) => unknown;
