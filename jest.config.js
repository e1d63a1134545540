// Jest runs the compiled tests (npm test builds first with tspc, so the daffi transformer has run on them).
/** @type {import('jest').Config} */
module.exports = {
  rootDir: "dist",
  testMatch: ["<rootDir>/test/**/*.test.js"],
  testEnvironment: "node",
  testTimeout: 30000,
  maxWorkers: 2,
};
