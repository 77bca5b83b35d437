import { conformance } from './fixtures/conformance.js';
import { HARNESSES } from './fixtures/harnesses.js';

for (const [name, factory, takesSignal] of HARNESSES) conformance(name, factory, takesSignal);
