export { teacherDefinition as default } from "./definition.js";
export { DEFAULT_SAMPLING_OPTIONS, type SamplingOptions } from "./options.js";
export { deriveSeed } from "./seeded-batches.js";
export { createTeacherGenerator, parseTeacherOptions, type TeacherOptions } from "./teacher-generator.js";
