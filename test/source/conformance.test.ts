import { conformance } from './conformance.js';
import { HARNESSES } from './harnesses.js';

for (const [name, factory, takesSignal] of HARNESSES) conformance(name, factory, takesSignal);
