export { tvd, tvd as default } from "./tvd.js";
