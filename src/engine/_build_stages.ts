/**
 * A Dockerfile as the classic builder runs it (moby builder.go build and buildkit's
 * instructions.Parse): every instruction typed before anything runs (a syntax error
 * stops the build before its first step), the ARGs before the first FROM as meta args,
 * then the stages; `--target` keeps the stages up to the one named; `--label`s become
 * LABEL steps at the end of the last stage, sorted; and the steps are counted for the
 * "Step N/M" lines (meta args and FROM lines included).
 */
import { type Command, type Dockerfile, parseDockerfile, toCommand } from "../dockerfile/mod.ts";
import { invalid } from "./errors.ts";

/** One step: its command, its text for the "Step" line, and whether its words are expanded (not for `--label`'s). */
interface PlannedStep {
  cmd: Command;
  original: string;
  expand: boolean;
}

interface PlannedStage {
  from: Extract<Command, { kind: "from" }>;
  original: string;
  steps: PlannedStep[];
}

export interface BuildPlan {
  escape: string;
  warnings: string[];
  metaArgs: Array<PlannedStep & { cmd: Extract<Command, { kind: "arg" }> }>;
  stages: PlannedStage[];
  /** M of "Step N/M". */
  total: number;
}

/**
 * Plan a build. Errors: DockerfileError (with its line) for a syntax error; invalid
 * "no build stage in current context", `target stage "x" could not be found`.
 */
export function planBuild(text: string, o: { target?: string; labels?: Record<string, string> } = {}): BuildPlan {
  const df: Dockerfile = parseDockerfile(text);
  const plan: BuildPlan = { escape: df.escape, warnings: df.warnings, metaArgs: [], stages: [], total: 0 };
  for (const inst of df.instructions) {
    const cmd = toCommand(inst);
    const step = { cmd, original: inst.original, expand: true };
    if (cmd.kind === "from") plan.stages.push({ from: cmd, original: inst.original, steps: [] });
    else if (plan.stages.length) plan.stages.at(-1)!.steps.push(step);
    else if (cmd.kind === "arg") plan.metaArgs.push({ ...step, cmd });
    else throw invalid("no build stage in current context");
  }
  if (o.target) {
    const at = plan.stages.findIndex((s) => s.from.stage !== undefined && s.from.stage === o.target!.toLowerCase());
    if (at < 0) throw invalid(`target stage ${JSON.stringify(o.target)} could not be found`);
    plan.stages.length = at + 1;
  }
  const last = plan.stages.at(-1);
  for (const key of Object.keys(o.labels ?? {}).sort()) {
    const value = o.labels![key]!;
    last?.steps.push({ cmd: { kind: "label", pairs: [[key, value]] }, original: `LABEL ${key}=${value}`, expand: false });
  }
  plan.total = plan.metaArgs.length + plan.stages.reduce((n, s) => n + 1 + s.steps.length, 0);
  return plan;
}

/**
 * An ONBUILD trigger as a step (moby dispatchTriggeredOnBuild: one instruction each).
 * Errors: DockerfileError; invalid "onbuild trigger should be a single expression".
 */
export function triggerStep(trigger: string): PlannedStep {
  const df = parseDockerfile(trigger);
  if (df.instructions.length !== 1) throw invalid("onbuild trigger should be a single expression");
  const inst = df.instructions[0]!;
  return { cmd: toCommand(inst), original: inst.original, expand: true };
}
