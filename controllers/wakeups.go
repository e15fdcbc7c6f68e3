package controllers

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
)

// wakeups enqueues an object at an exact time on the injected clock: a
// GatewayAccessPolicy turns Ready the moment its propagation window ends,
// with no polling before, and a test's fake clock drives it.
type wakeups struct {
	clock  clock.WithDelayedExecution
	events chan event.GenericEvent

	mu     sync.Mutex
	timers map[types.NamespacedName]scheduledWakeup
}

type scheduledWakeup struct {
	at    time.Time
	timer clock.Timer
}

func newWakeups(c clock.WithDelayedExecution) *wakeups {
	return &wakeups{clock: c, events: make(chan event.GenericEvent, 128), timers: map[types.NamespacedName]scheduledWakeup{}}
}

// at schedules obj for reconciliation at t, replacing an earlier schedule.
func (w *wakeups) at(obj client.Object, t time.Time) {
	key := client.ObjectKeyFromObject(obj)
	w.mu.Lock()
	defer w.mu.Unlock()
	if cur, ok := w.timers[key]; ok {
		if cur.at.Equal(t) {
			return
		}
		cur.timer.Stop()
	}
	obj = obj.DeepCopyObject().(client.Object)
	timer := w.clock.AfterFunc(t.Sub(w.clock.Now()), func() {
		w.mu.Lock()
		if cur, ok := w.timers[key]; ok && cur.at.Equal(t) {
			delete(w.timers, key)
		}
		w.mu.Unlock()
		// A fake clock calls this with its lock held; never block it.
		go func() { w.events <- event.GenericEvent{Object: obj} }()
	})
	w.timers[key] = scheduledWakeup{at: t, timer: timer}
}

// cancel drops obj's schedule.
func (w *wakeups) cancel(key types.NamespacedName) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if cur, ok := w.timers[key]; ok {
		cur.timer.Stop()
		delete(w.timers, key)
	}
}
