export interface Person {
  name: string;
  /** Capitalised subject pronoun ("She"/"He") for sentence starts. */
  subject: string;
  object: string;
}

export interface Countable {
  one: string;
  many: string;
  /** A container holding several, e.g. "bag" / "bags". */
  group: string;
  groups: string;
}

const she = (name: string): Person => ({ name, subject: "She", object: "her" });
const he = (name: string): Person => ({ name, subject: "He", object: "him" });

export const PEOPLE: readonly Person[] = [
  she("Ava"),
  he("Ben"),
  she("Chloe"),
  he("Diego"),
  she("Emma"),
  she("Farah"),
  he("Gus"),
  she("Hana"),
  he("Ivan"),
  she("Jade"),
  he("Kofi"),
  she("Lena"),
  he("Mateo"),
  she("Nora"),
  he("Omar"),
  she("Priya"),
  he("Quentin"),
  she("Rosa"),
  he("Sam"),
  she("Tara"),
  he("Umar"),
  she("Vera"),
  he("Wen"),
  he("Yusuf"),
  she("Zoe"),
  he("Liam"),
  she("Mia"),
  he("Noah"),
];

const countable = (one: string, many: string, group: string, groups: string): Countable => ({
  one,
  many,
  group,
  groups,
});

export const COUNTABLES: readonly Countable[] = [
  countable("apple", "apples", "bag", "bags"),
  countable("marble", "marbles", "jar", "jars"),
  countable("sticker", "stickers", "sheet", "sheets"),
  countable("pencil", "pencils", "box", "boxes"),
  countable("egg", "eggs", "carton", "cartons"),
  countable("trading card", "trading cards", "pack", "packs"),
  countable("seashell", "seashells", "bucket", "buckets"),
  countable("balloon", "balloons", "bundle", "bundles"),
  countable("orange", "oranges", "crate", "crates"),
  countable("bead", "beads", "pouch", "pouches"),
  countable("stamp", "stamps", "envelope", "envelopes"),
  countable("toy car", "toy cars", "case", "cases"),
  countable("book", "books", "carton", "cartons"),
  countable("flower", "flowers", "bunch", "bunches"),
];

export const BAKED_GOODS: readonly string[] = ["cookies", "muffins", "cupcakes", "bread rolls", "brownies"];

/** Plural goods with a plausible small unit price in dollars. */
export const GOODS: readonly string[] = [
  "notebooks",
  "pens",
  "sandwiches",
  "movie tickets",
  "plants",
  "mugs",
  "T-shirts",
  "puzzles",
  "candles",
  "kites",
];

export const VEHICLES: readonly string[] = ["bus", "train", "tram", "ferry"];
