-- Argo CD health of a vpce.agentcore.io GatewayAccessPolicy.
-- Degraded means a human must act: the policy was not accepted (bad ARN,
-- missing endpoint, namespace not allowed) or would make the endpoint's
-- merged policy too large. Applied but not yet past the gateway's policy
-- cache window is Progressing, with the time it becomes effective. Argo CD
-- runs this without the string library.
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

-- Stalled and Reconciling are abnormal when True, every other type when not.
local function abnormal(c)
  if c.type == "Stalled" or c.type == "Reconciling" then
    return c.status == "True"
  end
  return c.status ~= "True"
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

local accepted = findCondition("Accepted")
-- A referenced ACK Gateway that has no ARN yet is being created in AWS:
-- the policy is accepted by itself once it has one.
if accepted ~= nil and accepted.status == "False" and accepted.reason == "WaitingForGatewayARN" then
  hs.status = "Progressing"
  hs.message = describe(accepted)
  return hs
end
if accepted ~= nil and accepted.status == "False" then
  hs.status = "Degraded"
  hs.message = "Not accepted"
  if accepted.reason ~= nil and accepted.reason ~= "" then
    hs.message = accepted.reason
  end
  if accepted.message ~= nil and accepted.message ~= "" then
    hs.message = hs.message .. ": " .. accepted.message
  end
  return hs
end

for _, c in ipairs(conditions) do
  if c.reason == "PolicyTooLarge" and abnormal(c) then
    hs.status = "Degraded"
    hs.message = describe(c)
    return hs
  end
end

if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready) or "Ready"
  return hs
end

hs.status = "Progressing"
if ready ~= nil and ready.reason == "AwaitingPropagation" then
  local fallback = "Awaiting propagation to the gateway's policy cache"
  if obj.status.effectiveAt ~= nil then
    fallback = fallback .. " until " .. obj.status.effectiveAt
  end
  hs.message = messageOf(ready) or fallback
  return hs
end
hs.message = describe(ready) or describe(findCondition("Applied")) or "Waiting for the Ready condition"
return hs
