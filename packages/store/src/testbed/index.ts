/** @trellis/store/testbed — a store's world without a node, for unit tests of stores. */
export { StoreTestbed, type TestbedOptions } from './store-testbed.js';
