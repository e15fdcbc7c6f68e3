/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

// Package docs keeps the documentation under docs/ honest about the code: every
// field of both CRDs, every condition type and reason, and every manager flag
// must be written down, and every relative link in the markdown must lead to a
// file that exists. A change to the API that forgets the reference fails here,
// not in a reader's hands.
package docs
