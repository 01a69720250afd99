import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// The tests Stryker runs against each mutant (stryker.config.json): the example specifications.
// The property tests take nine tenths of the suite's time, and a mutant of module-level code (a
// table, a regular expression) re-runs every test: with them a full run takes several times longer.
// The specifications must pin the decision core's behaviour on their own; the property tests still
// run in `npm test`.
export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [...configDefaults.exclude, 'src/**/*.property.unit.test.ts'],
    },
  }),
);
