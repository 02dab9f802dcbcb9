export { loadTokenizer } from "./load-tokenizer.js";
export { PRETOKEN_PATTERN, pretokenize } from "./pretokenize.js";
export { type EncodeOptions, Tokenizer, type TokenizerDefinition } from "./tokenizer.js";
export {
  BOS_TOKEN,
  DEFAULT_SPECIAL_TOKENS,
  EOS_TOKEN,
  PAD_TOKEN,
  TOKENIZER_FORMAT,
  TOKENIZER_FORMAT_VERSION,
  type TokenizerJSON,
} from "./tokenizer-format.js";
export { tokenizerFromJSON } from "./tokenizer-from-json.js";
export { type TrainTokenizerOptions, trainTokenizer } from "./train-tokenizer.js";
