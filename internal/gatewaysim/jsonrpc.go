package gatewaysim

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// rpcError is a JSON-RPC 2.0 error answer (https://www.jsonrpc.org/specification#error_object).
type rpcError struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Error   rpcErrorBody    `json:"error"`
}

type rpcErrorBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// writeRefusal answers every request of a JSON-RPC body (one message or a batch) with the
// refusal's error, carrying each request's id, as the blog recipe shows the -32002 answer:
// {"jsonrpc":"2.0","id":...,"error":{"code":-32002,"message":"Authorization error -
// Insufficient permissions"}} (AWS_FACTS.md, "The service"). A body with no request in it
// (notifications, or not JSON-RPC) cannot carry an answer in a 200: it gets 403 with the
// error and a null id.
func writeRefusal(w http.ResponseWriter, refusal Refusal, body []byte) {
	ids, batch := requestIDs(body)
	errorFor := func(id json.RawMessage) rpcError {
		return rpcError{JSONRPC: "2.0", ID: id, Error: rpcErrorBody{Code: refusal.Code, Message: refusal.Message}}
	}
	status := refusal.HTTPStatus
	var answer any
	switch {
	case len(ids) == 0:
		if status == http.StatusOK {
			status = http.StatusForbidden
		}
		answer = errorFor(json.RawMessage("null"))
	case batch:
		errs := make([]rpcError, 0, len(ids))
		for _, id := range ids {
			errs = append(errs, errorFor(id))
		}
		answer = errs
	default:
		answer = errorFor(ids[0])
	}
	writeJSON(w, status, answer)
}

// requestIDs returns the ids of the requests in a JSON-RPC body, and whether it is a batch.
// Notifications (no id) and responses (no method) are skipped.
func requestIDs(body []byte) (ids []json.RawMessage, batch bool) {
	type message struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	var messages []message
	trimmed := bytes.TrimSpace(body)
	if bytes.HasPrefix(trimmed, []byte("[")) {
		batch = true
		if json.Unmarshal(trimmed, &messages) != nil {
			return nil, batch
		}
	} else {
		var one message
		if json.Unmarshal(trimmed, &one) != nil {
			return nil, false
		}
		messages = []message{one}
	}
	for _, m := range messages {
		if m.Method != "" && len(m.ID) > 0 && !bytes.Equal(m.ID, []byte("null")) {
			ids = append(ids, m.ID)
		}
	}
	return ids, batch
}

// writeMessage answers with a JSON body {"message": ...}, the shape of AWS's REST errors.
func writeMessage(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]string{"message": message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
