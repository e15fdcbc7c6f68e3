-- Argo CD health of a vpce.agentcore.io GatewayAccessPolicy, in step with
-- kstatus (what Flux and Helm 4 wait on). Degraded is Stalled: a person must
-- act (the policy is refused, its endpoint is stalled, what it names has
-- been missing for longer than the operator's --missing-reference-grace, or
-- its ConfigMap's name is taken). Progressing is work under way: waiting for
-- its endpoint or what it names, or applied but not yet past the gateway's
-- policy cache, with the time it becomes effective. Healthy is Ready with
-- nothing under way. Argo CD runs this without the string library.
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

local reconciling = findCondition("Reconciling")
local underWay = reconciling ~= nil and reconciling.status == "True"
if ready ~= nil and ready.status == "True" and not underWay then
  hs.status = "Healthy"
  hs.message = describe(ready) or "Ready"
  return hs
end

hs.status = "Progressing"
if underWay and messageOf(reconciling) ~= nil then
  hs.message = messageOf(reconciling)
  return hs
end
if ready ~= nil and ready.reason == "AwaitingPropagation" then
  local fallback = "Awaiting propagation to the gateway's policy cache"
  if obj.status.effectiveAt ~= nil then
    fallback = fallback .. " until " .. obj.status.effectiveAt
  end
  hs.message = messageOf(ready) or fallback
  return hs
end
hs.message = describe(ready) or describe(reconciling) or describe(findCondition("Applied")) or "Waiting for the Ready condition"
return hs
