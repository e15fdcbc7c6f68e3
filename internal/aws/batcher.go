package aws

import (
	"context"
	"sync"
	"time"
)

// batcher coalesces concurrent reads by key into one Describe call with a
// multi-value filter. At start-up every object reconciles at once; without
// batching, a few hundred endpoints would exhaust EC2's non-mutating request
// bucket (100 burst, 20/s) on reads alone.
type batcher[V any] struct {
	window  time.Duration
	maxKeys int
	fetch   func(ctx context.Context, keys []string) (map[string][]V, error)

	mu      sync.Mutex
	pending *batch[V]
}

type batch[V any] struct {
	keys   map[string]struct{}
	once   sync.Once
	done   chan struct{}
	result map[string][]V
	err    error
}

func newBatcher[V any](window time.Duration, maxKeys int, fetch func(context.Context, []string) (map[string][]V, error)) *batcher[V] {
	return &batcher[V]{window: window, maxKeys: maxKeys, fetch: fetch}
}

// get returns the items found for key, waiting up to the batch window for
// other keys to join the same call.
func (b *batcher[V]) get(ctx context.Context, key string) ([]V, error) {
	b.mu.Lock()
	bt := b.pending
	if bt == nil {
		bt = &batch[V]{keys: map[string]struct{}{}, done: make(chan struct{})}
		b.pending = bt
		time.AfterFunc(b.window, func() { b.run(bt) })
	}
	bt.keys[key] = struct{}{}
	if len(bt.keys) >= b.maxKeys {
		b.pending = nil
		go b.run(bt)
	}
	b.mu.Unlock()

	select {
	case <-bt.done:
		if bt.err != nil {
			return nil, bt.err
		}
		return bt.result[key], nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (b *batcher[V]) run(bt *batch[V]) {
	bt.once.Do(func() {
		b.mu.Lock()
		if b.pending == bt {
			b.pending = nil
		}
		keys := make([]string, 0, len(bt.keys))
		for k := range bt.keys {
			keys = append(keys, k)
		}
		b.mu.Unlock()
		// The call serves several reconciles, so it cannot use any one
		// caller's context; a caller that gives up stops waiting instead.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		bt.result, bt.err = b.fetch(ctx, keys)
		close(bt.done)
	})
}
