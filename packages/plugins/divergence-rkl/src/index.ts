export { rkl, rkl as default } from "./rkl.js";
