package ec2sim

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"strings"
	"sync"
	"time"
)

const (
	adminPathPrefix = "/_sim/"
	xmlNamespace    = "http://ec2.amazonaws.com/doc/2016-11-15/"
)

// ServeHTTP answers EC2 Query requests (form-encoded POST, or GET with the same parameters)
// and the simulator's own control endpoints under /_sim/.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, adminPathPrefix) {
		s.serveAdmin(w, r)
		return
	}
	requestID := s.requestIDs.next()
	// EC2 sends the request ID as a header too; the SDK reads it from there on success.
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.Header().Set("Server", "AmazonEC2")
	if err := r.ParseForm(); err != nil {
		writeError(w, requestID, clientError(codeInvalidParameterValue, "The request body is not a valid query: %v", err))
		return
	}
	action := r.Form.Get("Action")
	if s.serveSTS(w, action, requestID) {
		return
	}
	resp, apiErr := s.call(withAccessKey(r.Context(), r), action, query(r.Form))
	if apiErr != nil {
		s.calls.record(action, apiErr.code)
		writeError(w, requestID, apiErr)
		return
	}
	s.calls.record(action, codeOK)
	resp.setRequestID(requestID)
	writeXML(w, http.StatusOK, xml.StartElement{
		Name: xml.Name{Local: action + "Response"},
		Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: xmlNamespace}},
	}, resp)
}

// call runs one action through what stands between a client and EC2's state: injected
// latency, the token buckets, injected errors, IAM authorization, then the action itself,
// and injected errors that replace the action's answer (Fault.AfterApply).
func (s *Simulator) call(ctx context.Context, action string, q query) (response, *apiError) {
	if action == "" {
		return nil, clientError(codeMissingAction, "The request must contain the parameter Action")
	}
	handler, ok := actions[action]
	if !ok {
		return nil, clientError(codeInvalidAction, "The action %s is not valid for this web service.", action)
	}
	fault := s.faults.lookup(action)
	if fault.Latency > 0 {
		timer := time.NewTimer(fault.Latency)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return nil, &apiError{status: http.StatusServiceUnavailable, code: codeRequestCanceled, message: "Request canceled by the client."}
		}
	}
	if !s.throttle.allow(action, s.clock()) {
		return nil, errRequestLimitExceeded
	}
	failed := s.faults.fails(fault)
	if failed && !fault.AfterApply {
		return nil, injectedError(fault.ErrorCode)
	}
	if err := s.authorize(ctx, action, q); err != nil {
		return nil, err
	}
	dryRun, _, err := q.boolean("DryRun")
	if err != nil {
		return nil, err
	}
	if dryRun {
		return nil, errDryRun
	}
	s.mu.Lock()
	now := s.clock()
	s.settle(now)
	resp, apiErr := handler(s, q, now)
	s.mu.Unlock()
	if failed {
		// Fault.AfterApply: the action has run and changed what it changes; its answer is
		// lost on the way back and the client gets the injected error instead.
		return nil, injectedError(fault.ErrorCode)
	}
	return resp, apiErr
}

// response is what an action handler returns; the server wraps it in EC2's envelope
// (<ActionResponse xmlns=...><requestId>...) so handlers describe only their own payload.
type response interface {
	setRequestID(id string)
}

// responseHeader is embedded in every response. The element name and namespace are set when
// encoding, because encoding/xml cannot read an XMLName through an unexported embedded type.
type responseHeader struct {
	RequestID string `xml:"requestId"`
}

func (h *responseHeader) setRequestID(id string) { h.RequestID = id }

// returnResponse is the body of actions that only acknowledge success.
type returnResponse struct {
	responseHeader
	Return bool `xml:"return"`
}

func acknowledged() *returnResponse { return &returnResponse{Return: true} }

type errorResponse struct {
	Errors    []errorXML `xml:"Errors>Error"`
	RequestID string     `xml:"RequestID"`
}

type errorXML struct {
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

func writeError(w http.ResponseWriter, requestID string, e *apiError) {
	writeXML(w, e.status, xml.StartElement{Name: xml.Name{Local: "Response"}}, &errorResponse{
		Errors:    []errorXML{{Code: e.code, Message: e.message}},
		RequestID: requestID,
	})
}

var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func writeXML(w http.ResponseWriter, status int, root xml.StartElement, body any) {
	buf := bufferPool.Get().(*bytes.Buffer)
	defer func() {
		buf.Reset()
		bufferPool.Put(buf)
	}()
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(buf).EncodeElement(body, root); err != nil {
		http.Error(w, "encoding response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
