const ANSWER_PATTERN = /####\s*(-?\d[\d,]*(?:\.\d+)?)/;

/** The number after the first `####` marker (commas allowed), or null if there is none. */
export function extractAnswer(text: string): number | null {
  const match = ANSWER_PATTERN.exec(text);
  if (match === null) return null;
  const value = Number(match[1].replace(/,/g, ""));
  return Number.isFinite(value) ? value : null;
}

/** True when a generated continuation's first `#### N` equals the expected answer. */
export function checkAnswer(continuation: string, answer: number): boolean {
  return extractAnswer(continuation) === answer;
}
