import { type ArithmeticStep, step } from "./arithmetic-problem.js";
import { BAKED_GOODS, COUNTABLES, GOODS, PEOPLE, type Person, VEHICLES } from "./arithmetic-vocabulary.js";
import type { Rng } from "./prng.js";

/** A generated word problem before formatting; `steps` has 2-4 entries and ends at the answer. */
export interface Story {
  question: string;
  steps: ArithmeticStep[];
}

/** Returns null when the random draw cannot satisfy the template's constraints (caller redraws). */
export type StoryTemplate = (rng: Rng) => Story | null;

function people(rng: Rng, count: number): Person[] {
  const chosen: Person[] = [];
  while (chosen.length < count) {
    const p = rng.pick(PEOPLE);
    if (!chosen.includes(p)) chosen.push(p);
  }
  return chosen;
}

function exactDivisors(n: number, minQuotient: number): number[] {
  const out: number[] = [];
  for (let k = 2; k <= 9; k++) if (n % k === 0 && n / k >= minQuotient) out.push(k);
  return out;
}

/** A running total changed by 2-4 operations: the most varied template. */
const chainStory: StoryTemplate = (rng) => {
  const [hero, friend] = people(rng, 2);
  const item = rng.pick(COUNTABLES);
  const P = hero.subject;
  const target = rng.int(2, 4);
  let total = rng.int(5, 60);
  const sentences = [
    rng.pick([
      `${hero.name} has ${total} ${item.many}.`,
      `${hero.name} starts the week with ${total} ${item.many}.`,
      `There are ${total} ${item.many} in ${hero.name}'s collection.`,
    ]),
  ];
  const steps: ArithmeticStep[] = [];
  const push = (s: ArithmeticStep, sentence: string) => {
    steps.push(s);
    sentences.push(sentence);
    total = s.result;
  };

  while (steps.length < target) {
    const remaining = target - steps.length;
    if (remaining === 1 && rng.next() < 0.4) {
      const k = rng.int(2, 9);
      const shares = exactDivisors(total, 1);
      const kind = rng.int(0, 2);
      if (kind === 0 && shares.length > 0) {
        const f = rng.pick(shares);
        steps.push(step(total, "/", f));
        sentences.push(
          `${P} then shares all of them equally among ${f} friends. How many ${item.many} does each friend get?`,
        );
      } else if (kind === 1) {
        steps.push(step(total, "*", k));
        sentences.push(
          `Each ${item.one} is worth ${k} points. How many points are ${hero.name}'s ${item.many} worth?`,
        );
      } else {
        steps.push(step(total, "*", k));
        sentences.push(
          `${P} sells all of them for ${k} dollars each. How many dollars does ${P.toLowerCase()} make?`,
        );
      }
      return { question: sentences.join(" "), steps };
    }

    const op = rng.int(0, 3);
    if (op === 0) {
      const b = rng.int(2, 30);
      push(
        step(total, "+", b),
        rng.pick([
          `${P} buys ${b} more.`,
          `${P} finds ${b} more ${item.many}.`,
          `${friend.name} gives ${hero.object} ${b} ${item.many}.`,
          `${P} wins ${b} ${item.many} at the fair.`,
          `${P} receives ${b} ${item.many} as a gift.`,
        ]),
      );
    } else if (op === 1 && total > 3) {
      const b = rng.int(2, Math.min(total - 1, 40));
      push(
        step(total, "-", b),
        rng.pick([
          `${P} gives ${b} ${item.many} to ${friend.name}.`,
          `${P} loses ${b} of them.`,
          `${P} sells ${b} ${item.many}.`,
          `${P} uses ${b} ${item.many} for a school project.`,
          `${friend.name} borrows ${b} ${item.many} and never returns them.`,
        ]),
      );
    } else if (op === 2 && remaining >= 2) {
      const k = rng.int(2, 6);
      const b = rng.int(2, 12);
      const bought = step(k, "*", b);
      steps.push(bought);
      push(
        step(total, "+", bought.result),
        rng.pick([
          `${P} buys ${k} ${item.groups} of ${item.many} with ${b} in each ${item.group}.`,
          `${friend.name} gives ${hero.object} ${k} ${item.groups} with ${b} ${item.many} in each.`,
        ]),
      );
    } else if (op === 3) {
      const parts = exactDivisors(total, 2);
      if (parts.length === 0) continue;
      const k = rng.pick(parts);
      push(
        step(total, "/", k),
        rng.pick([
          `${P} splits them into ${k} equal piles and keeps only one pile.`,
          `${P} packs them equally into ${k} ${item.groups} and keeps just one ${item.group}.`,
        ]),
      );
    }
  }
  sentences.push(
    rng.pick([
      `How many ${item.many} does ${hero.name} have now?`,
      `How many ${item.many} does ${hero.name} have in the end?`,
      `How many ${item.many} are left with ${hero.name}?`,
    ]),
  );
  return { question: sentences.join(" "), steps };
};

const shoppingStory: StoryTemplate = (rng) => {
  const [hero] = people(rng, 1);
  const goods = rng.next() < 0.5 ? [rng.pick(GOODS)] : twoGoods(rng);
  const steps: ArithmeticStep[] = [];
  const parts: string[] = [];
  for (const name of goods) {
    const k = rng.int(2, 6);
    const price = rng.int(2, 15);
    steps.push(step(k, "*", price));
    parts.push(`${k} ${name} for ${price} dollars each`);
  }
  let spent = steps[0].result;
  if (steps.length === 2) {
    const sum = step(steps[0].result, "+", steps[1].result);
    steps.push(sum);
    spent = sum.result;
  }
  const bill = [20, 50, 100, 200].find((b) => b > spent)!;
  steps.push(step(bill, "-", spent));
  const P = hero.subject;
  return {
    question:
      `${hero.name} buys ${parts.join(" and ")}. ${P} pays with a ${bill}-dollar bill. ` +
      rng.pick([
        `How much change does ${P.toLowerCase()} get?`,
        `How many dollars should ${P.toLowerCase()} get back?`,
      ]),
    steps,
  };
};

function twoGoods(rng: Rng): string[] {
  const first = rng.pick(GOODS);
  let second = rng.pick(GOODS);
  while (second === first) second = rng.pick(GOODS);
  return [first, second];
}

const comparisonStory: StoryTemplate = (rng) => {
  const [a, b, c] = people(rng, 3);
  const item = rng.pick(COUNTABLES);
  const base = rng.int(3, 20);
  const sentences = [`${a.name} has ${base} ${item.many}.`];
  const steps: ArithmeticStep[] = [];

  if (rng.next() < 0.5) {
    const k = rng.int(2, 5);
    steps.push(step(base, "*", k));
    sentences.push(`${b.name} has ${k} times as many ${item.many} as ${a.name}.`);
  } else {
    const d = rng.int(2, 25);
    steps.push(step(base, "+", d));
    sentences.push(`${b.name} has ${d} more ${item.many} than ${a.name}.`);
  }
  const second = steps[0].result;
  if (second % 2 === 0 && rng.next() < 0.4) {
    steps.push(step(second, "/", 2));
    sentences.push(`${c.name} has half as many ${item.many} as ${b.name}.`);
  } else {
    const d = rng.int(2, second - 1);
    steps.push(step(second, "-", d));
    sentences.push(`${c.name} has ${d} fewer ${item.many} than ${b.name}.`);
  }
  const third = steps[1].result;

  if (rng.next() < 0.3) {
    steps.push(step(second, "-", third));
    sentences.push(`How many more ${item.many} does ${b.name} have than ${c.name}?`);
  } else {
    const pair = step(base, "+", second);
    steps.push(pair, step(pair.result, "+", third));
    sentences.push(
      rng.pick([
        `How many ${item.many} do the three of them have altogether?`,
        `How many ${item.many} do ${a.name}, ${b.name} and ${c.name} have in total?`,
      ]),
    );
  }
  return { question: sentences.join(" "), steps };
};

const readingStory: StoryTemplate = (rng) => {
  const [hero] = people(rng, 1);
  const perDay = rng.int(5, 30);
  const days = rng.int(2, 7);
  const extra = rng.int(5, 40);
  const read = step(perDay, "*", days);
  const soFar = step(read.result, "+", extra);
  const pages = soFar.result + rng.int(10, 200);
  const P = hero.subject;
  return {
    question:
      `${hero.name} reads ${perDay} pages every day for ${days} days, then reads ${extra} more pages on the weekend. ` +
      `The book has ${pages} pages. How many pages does ${P.toLowerCase()} still have to read?`,
    steps: [read, soFar, step(pages, "-", soFar.result)],
  };
};

const bakingStory: StoryTemplate = (rng) => {
  const [hero] = people(rng, 1);
  const goods = rng.pick(BAKED_GOODS);
  const trays = rng.int(2, 5);
  const perTray = rng.int(4, 12);
  const friends = rng.int(2, 6);
  const baked = step(trays, "*", perTray);
  // Eat just enough that the rest divides exactly among the friends.
  const eaten = (baked.result % friends) + friends * rng.int(0, 1);
  if (eaten === 0 || eaten >= baked.result) return null;
  const rest = step(baked.result, "-", eaten);
  return {
    question:
      `${hero.name} bakes ${trays} trays of ${goods} with ${perTray} on each tray. ` +
      `${hero.subject} eats ${eaten} and shares the rest equally among ${friends} friends. ` +
      `How many ${goods} does each friend get?`,
    steps: [baked, rest, step(rest.result, "/", friends)],
  };
};

const wagesStory: StoryTemplate = (rng) => {
  const [hero] = people(rng, 1);
  const rate = rng.int(8, 25);
  const h1 = rng.int(2, 8);
  const h2 = rng.int(2, 8);
  const hours = step(h1, "+", h2);
  const earned = step(hours.result, "*", rate);
  const P = hero.subject;
  const intro =
    `${hero.name} earns ${rate} dollars an hour. ` +
    `${P} works ${h1} hours on Monday and ${h2} hours on Tuesday.`;
  if (rng.next() < 0.5) {
    return {
      question: `${intro} How many dollars does ${P.toLowerCase()} earn in total?`,
      steps: [hours, earned],
    };
  }
  const spent = rng.int(5, earned.result - 1);
  return {
    question: `${intro} Then ${P.toLowerCase()} spends ${spent} dollars on a gift. How many dollars does ${P.toLowerCase()} have left?`,
    steps: [hours, earned, step(earned.result, "-", spent)],
  };
};

const passengersStory: StoryTemplate = (rng) => {
  const vehicle = rng.pick(VEHICLES);
  let onboard = rng.int(10, 60);
  const sentences = [`A ${vehicle} leaves the station with ${onboard} passengers.`];
  const steps: ArithmeticStep[] = [];
  const stops = rng.int(1, 2);
  for (let s = 0; s < stops; s++) {
    const off = rng.int(1, onboard - 1);
    const down = step(onboard, "-", off);
    steps.push(down);
    const where = s === 0 ? "At the first stop" : "At the next stop";
    const getOff = off === 1 ? "1 passenger gets" : `${off} passengers get`;
    // A final stop where nobody boards makes 3-step variants alongside the 2- and 4-step ones.
    if (s === 1 && rng.next() < 0.5) {
      sentences.push(`${where}, ${getOff} off.`);
      onboard = down.result;
      continue;
    }
    const on = rng.int(1, 20);
    const up = step(down.result, "+", on);
    steps.push(up);
    sentences.push(`${where}, ${getOff} off and ${on} get on.`);
    onboard = up.result;
  }
  sentences.push(`How many passengers are on the ${vehicle} now?`);
  return { question: sentences.join(" "), steps };
};

/** Chains are listed twice: they carry most of the wording variety. */
export const STORY_TEMPLATES: readonly StoryTemplate[] = [
  chainStory,
  chainStory,
  shoppingStory,
  comparisonStory,
  readingStory,
  bakingStory,
  wagesStory,
  passengersStory,
];
