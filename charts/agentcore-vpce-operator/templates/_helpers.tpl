{{/*
Prefix of every object's name: agentcore-vpce, as config/default names them,
unless fullnameOverride says otherwise.
*/}}
{{- define "agentcore-vpce-operator.fullname" -}}
{{- default "agentcore-vpce" .Values.fullnameOverride -}}
{{- end }}

{{/*
Labels of every object. app.kubernetes.io/name and part-of are those
config/default sets; the rest are Helm's.
*/}}
{{- define "agentcore-vpce-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: agentcore-vpce-operator
app.kubernetes.io/part-of: agentcore-vpce-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
The manager pods' selector, the same as config/manager's: selectors cannot
change once a Deployment exists.
*/}}
{{- define "agentcore-vpce-operator.selectorLabels" -}}
control-plane: controller-manager
app.kubernetes.io/name: agentcore-vpce-operator
{{- end }}

{{- define "agentcore-vpce-operator.serviceAccountName" -}}
{{- default (printf "%s-controller-manager" (include "agentcore-vpce-operator.fullname" .)) .Values.serviceAccount.name -}}
{{- end }}

{{/*
The EKS cluster name, or a failure that says what to set.
*/}}
{{- define "agentcore-vpce-operator.clusterName" -}}
{{- required "clusterName is required: set it to the EKS cluster's name, exactly (--set clusterName=<CLUSTER_NAME>). The operator tags everything it creates with it, and the IAM policy lets it change only resources tagged with the EKS cluster name." .Values.clusterName -}}
{{- end }}
