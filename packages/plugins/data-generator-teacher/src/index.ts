export { teacherDefinition as default } from "./definition.js";
export { createTeacherGenerator, parseTeacherOptions, type TeacherOptions } from "./teacher-generator.js";
