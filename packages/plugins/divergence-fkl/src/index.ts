export { fkl, fkl as default } from "./fkl.js";
