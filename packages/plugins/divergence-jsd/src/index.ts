export { jsd, jsd as default } from "./jsd.js";
