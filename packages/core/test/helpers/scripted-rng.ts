import type { RandomSource } from "../../src/random-source.js";

/** A RandomSource whose draws are scripted, recording every call, so tests can assert exact behaviour. */
export interface ScriptedRng extends RandomSource {
  /** How many uniforms were drawn. */
  readonly uniformCalls: number;
  /** Every distribution passed to categorical, copied to plain arrays. */
  readonly categoricalCalls: number[][];
}

/**
 * uniform() returns `uniforms` in order (throws when exhausted); categorical() returns `picks`
 * in order (throws when exhausted). Pass empty lists to assert that no randomness is used.
 */
export function scriptedRng(uniforms: number[], picks: number[] = []): ScriptedRng {
  const u = [...uniforms];
  const k = [...picks];
  const state = { uniformCalls: 0, categoricalCalls: [] as number[][] };
  return {
    get uniformCalls() {
      return state.uniformCalls;
    },
    get categoricalCalls() {
      return state.categoricalCalls;
    },
    uniform() {
      const r = u.shift();
      if (r === undefined) throw new Error("scriptedRng: unexpected uniform() draw");
      state.uniformCalls++;
      return r;
    },
    categorical(probs: ArrayLike<number>) {
      state.categoricalCalls.push(Array.from(probs));
      const pick = k.shift();
      if (pick === undefined) throw new Error("scriptedRng: unexpected categorical() draw");
      return pick;
    },
  };
}
