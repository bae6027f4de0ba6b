export { freePort, isListening } from '../../test/support/free-port';
