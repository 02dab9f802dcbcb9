import { defineDataGenerator, PLUGIN_API_VERSION } from "@distillspec/plugin-api";
import { createTeacherGenerator } from "./teacher-generator.js";

/** Plugin "teacher": continuations sampled from the target; options { maxNewTokens, temperature }. */
export const teacherDefinition = defineDataGenerator({
  meta: { name: "@distillspec/data-generator-teacher", version: "0.1.0", apiVersion: PLUGIN_API_VERSION },
  id: "teacher",
  create: createTeacherGenerator,
});
