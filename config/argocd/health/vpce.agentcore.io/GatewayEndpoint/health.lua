-- Argo CD health of a vpce.agentcore.io GatewayEndpoint, in step with
-- kstatus (what Flux and Helm 4 wait on): Degraded means a human must act (the
-- operator reports Stalled, or AWS failed or rejected the endpoint);
-- Healthy is Ready with no work under way; anything else, including Ready
-- with Reconciling True (a queued policy write), is Progressing: the
-- operator is still working on it. Argo CD runs this without the string
-- library.
local hs = {}

local conditions = {}
if obj.status ~= nil and obj.status.conditions ~= nil then
  conditions = obj.status.conditions
end

local function findCondition(conditionType)
  for _, c in ipairs(conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local function messageOf(c)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  return nil
end

-- A condition's message, or its reason when it has none.
local function describe(c)
  local message = messageOf(c)
  if message == nil and c ~= nil and c.reason ~= nil and c.reason ~= "" then
    return c.reason
  end
  return message
end

local ready = findCondition("Ready")

local generation = nil
if obj.metadata ~= nil then
  generation = obj.metadata.generation
end
local observed = nil
if obj.status ~= nil then
  observed = obj.status.observedGeneration
  if observed == nil and ready ~= nil then
    observed = ready.observedGeneration
  end
end
if obj.status == nil or (generation ~= nil and (observed == nil or observed < generation)) then
  hs.status = "Progressing"
  if generation ~= nil then
    hs.message = "Waiting for the controller to observe generation " .. tostring(generation)
  else
    hs.message = "Waiting for the controller"
  end
  return hs
end

local stalled = findCondition("Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(stalled) or "Stalled"
  return hs
end

local state = obj.status.state
if state == "failed" or state == "rejected" or state == "expired" then
  hs.status = "Degraded"
  local endpoint = "VPC endpoint"
  if obj.status.endpointID ~= nil then
    endpoint = endpoint .. " " .. obj.status.endpointID
  end
  hs.message = endpoint .. " is " .. state
  local available = findCondition("EndpointAvailable")
  if available ~= nil and available.message ~= nil and available.message ~= "" then
    hs.message = hs.message .. ": " .. available.message
  end
  return hs
end

local reconciling = findCondition("Reconciling")
if ready ~= nil and ready.status == "True" then
  if reconciling ~= nil and reconciling.status == "True" then
    hs.status = "Progressing"
    hs.message = describe(reconciling)
    return hs
  end
  hs.status = "Healthy"
  hs.message = describe(ready) or "Ready"
  return hs
end

hs.status = "Progressing"
if ready ~= nil and ready.reason == "AwaitingPropagation" then
  local fallback = "Awaiting propagation of the endpoint policy to the gateway"
  if obj.status.policy ~= nil and obj.status.policy.effectiveAt ~= nil then
    fallback = fallback .. " until " .. obj.status.policy.effectiveAt
  end
  hs.message = messageOf(ready) or fallback
  return hs
end
if state == "pending" or state == "pendingacceptance" then
  hs.message = messageOf(ready) or ("VPC endpoint is " .. state)
  return hs
end
hs.message = describe(ready) or describe(reconciling) or "Waiting for the Ready condition"
return hs
