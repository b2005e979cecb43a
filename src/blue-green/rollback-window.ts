import { Annotations, Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * Warns when the time an engine keeps the old version after the last traffic shift (CodeDeploy's
 * termination wait, ECS's bake time) is shorter than the rollback alarms need to evaluate the new
 * version: the deployment would end before they could roll it back. One check for every engine,
 * on the wait the engine actually uses; `prop` names where that wait came from.
 */
export function warnIfBelowRollbackWindow(scope: Construct, id: string, prop: string, wait: Duration, window?: Duration): void {
  if (!window || wait.isUnresolved() || wait.toMilliseconds() >= window.toMilliseconds()) { return; }
  Annotations.of(scope).addWarningV2(`cdk-ecs-cicd-pipeline:${id}`, `${prop} (${wait.toHumanString()}) is shorter than the `
    + `${window.toHumanString()} the built-in alarms need: once the last traffic shift is done, the deployment ends before they can roll it back`);
}
