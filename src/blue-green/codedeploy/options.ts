/**
 * Settings of the CodeDeploy engine (`BlueGreenDeployment.codeDeploy()`). Empty for now: the
 * CodeDeploy-specific settings (e.g. `terminationWaitTime`) are still environment props, and will
 * move here without breaking them.
 */
export interface CodeDeployBlueGreenOptions {}
