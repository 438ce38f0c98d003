import { foreignType } from "./foreign.ts";
import { restOperationType } from "./api/rest-operation.ts";
import { restParameterType } from "./api/rest-parameter.ts";
import { restPathType } from "./api/rest-path.ts";
import { restResponseType } from "./api/rest-response.ts";
import { urlMapperType } from "./api/url-mapper.ts";
import { fullSyncConnectorType } from "./connectors/fullsync-connector.ts";
import { fullSyncAllDocsType } from "./connectors/fullsync/fullsync-all-docs.ts";
import { fullSyncDeleteDocumentType } from "./connectors/fullsync/fullsync-delete-document.ts";
import { fullSyncDesignDocumentType } from "./connectors/fullsync/fullsync-design-document.ts";
import { fullSyncFindType } from "./connectors/fullsync/fullsync-find.ts";
import { fullSyncGetDocumentType } from "./connectors/fullsync/fullsync-get-document.ts";
import { fullSyncGetViewType } from "./connectors/fullsync/fullsync-get-view.ts";
import { fullSyncListenerType } from "./connectors/fullsync/fullsync-listener.ts";
import { fullSyncPostBulkDocumentsType } from "./connectors/fullsync/fullsync-post-bulk-documents.ts";
import { fullSyncPostDocumentType } from "./connectors/fullsync/fullsync-post-document.ts";
import { fullSyncViewType } from "./connectors/fullsync/fullsync-view.ts";
import { httpConnectorType } from "./connectors/http-connector.ts";
import { jsonHttpTransactionType } from "./connectors/json-http-transaction.ts";
import { textHttpTransactionType } from "./connectors/text-http-transaction.ts";
import { xmlHttpTransactionType } from "./connectors/xml-http-transaction.ts";
import { soapConnectorType } from "./connectors/soap-connector.ts";
import { soapTransactionType } from "./connectors/soap-transaction.ts";
import { sqlConnectorType } from "./connectors/sql-connector.ts";
import { sqlTransactionType } from "./connectors/sql-transaction.ts";
import { projectReferenceType } from "./project-reference.ts";
import { projectType } from "./project.ts";
import { sequenceType } from "./sequence.ts";
import { settingType } from "./setting.ts";
import { breakStep } from "./steps/break.ts";
import { callSequenceStep } from "./steps/call-sequence.ts";
import { callTransactionStep } from "./steps/call-transaction.ts";
import { checkPasswordStep } from "./steps/check-password.ts";
import { concatStep } from "./steps/concat.ts";
import { copyStep } from "./steps/copy.ts";
import { elementStep } from "./steps/element.ts";
import { elseStep } from "./steps/else.ts";
import { errorStep } from "./steps/error-step.ts";
import { fullSyncAddUserToGroupStep } from "./steps/fullsync-add-user-to-group.ts";
import { fullSyncGroupsOfStep } from "./steps/fullsync-groups-of.ts";
import { fullSyncRemoveUserFromGroupStep } from "./steps/fullsync-remove-user-from-group.ts";
import { fullSyncUsersOfStep } from "./steps/fullsync-users-of.ts";
import { getAuthenticatedUserStep } from "./steps/get-authenticated-user.ts";
import { ifExistsThenElseStep } from "./steps/if-exists-then-else.ts";
import { ifExistsStep } from "./steps/if-exists.ts";
import { ifThenElseStep } from "./steps/if-then-else.ts";
import { ifStep } from "./steps/if.ts";
import { isInThenElseStep } from "./steps/is-in-then-else.ts";
import { isInStep } from "./steps/is-in.ts";
import { iteratorStep } from "./steps/iterator.ts";
import { jsonArrayStep } from "./steps/json-array.ts";
import { jsonObjectStep } from "./steps/json-object.ts";
import { logStep } from "./steps/log.ts";
import { removeAuthenticatedUserStep } from "./steps/remove-authenticated-user.ts";
import { returnStep } from "./steps/return.ts";
import { sequenceJsStep } from "./steps/sequence-js.ts";
import { sessionGetStep } from "./steps/session-get.ts";
import { sessionRemoveStep } from "./steps/session-remove.ts";
import { sessionSetStep } from "./steps/session-set.ts";
import { setAuthenticatedUserStep } from "./steps/set-authenticated-user.ts";
import { stepVariableType } from "./steps/step-variable.ts";
import { thenStep } from "./steps/then.ts";
import { whileStep } from "./steps/while.ts";
import { testCaseType } from "./test-case.ts";
import { variableType } from "./variable.ts";
import { applicationType } from "./ui/application.ts";
import { pageType } from "./ui/page.ts";
import { componentType } from "./ui/component.ts";
import { textType } from "./ui/text.ts";
import { directiveType } from "./ui/directive.ts";
import { useSharedType } from "./ui/use-shared.ts";
import { sharedComponentType } from "./ui/shared-component.ts";
import { componentInputType } from "./ui/component-input.ts";
import { componentEventType } from "./ui/component-event.ts";
import { sharedActionType } from "./ui/shared-action.ts";
import { actionInputType } from "./ui/action-input.ts";
import { stateType } from "./ui/state.ts";
import { eventType } from "./ui/event.ts";
import { actionType } from "./ui/action.ts";
import { onErrorType } from "./ui/on-error.ts";
import { actionElseType } from "./ui/action-else.ts";
import { styleType } from "./ui/style.ts";

/**
 * Every object type Atelier knows. Adding a type: write its file (one definition) and list it
 * here; `registry.test.ts` fails when a file under types/ is not listed.
 */
export const allTypes = [
  projectType,
  projectReferenceType,
  settingType,
  sequenceType,
  variableType,
  testCaseType,
  foreignType,
  httpConnectorType,
  jsonHttpTransactionType,
  xmlHttpTransactionType,
  textHttpTransactionType,
  fullSyncConnectorType,
  fullSyncGetDocumentType,
  fullSyncPostDocumentType,
  fullSyncPostBulkDocumentsType,
  fullSyncDeleteDocumentType,
  fullSyncAllDocsType,
  fullSyncGetViewType,
  fullSyncFindType,
  fullSyncDesignDocumentType,
  fullSyncViewType,
  fullSyncListenerType,
  soapConnectorType,
  soapTransactionType,
  sqlConnectorType,
  sqlTransactionType,
  urlMapperType,
  restPathType,
  restOperationType,
  restParameterType,
  restResponseType,
  applicationType,
  pageType,
  componentType,
  textType,
  directiveType,
  useSharedType,
  sharedComponentType,
  componentInputType,
  componentEventType,
  sharedActionType,
  actionInputType,
  stateType,
  eventType,
  actionType,
  onErrorType,
  actionElseType,
  styleType,
  stepVariableType,
  callTransactionStep,
  callSequenceStep,
  sequenceJsStep,
  elementStep,
  jsonObjectStep,
  jsonArrayStep,
  copyStep,
  concatStep,
  ifStep,
  ifThenElseStep,
  ifExistsStep,
  ifExistsThenElseStep,
  isInStep,
  isInThenElseStep,
  thenStep,
  elseStep,
  iteratorStep,
  whileStep,
  breakStep,
  errorStep,
  returnStep,
  logStep,
  setAuthenticatedUserStep,
  getAuthenticatedUserStep,
  removeAuthenticatedUserStep,
  sessionSetStep,
  sessionGetStep,
  sessionRemoveStep,
  checkPasswordStep,
  fullSyncAddUserToGroupStep,
  fullSyncRemoveUserFromGroupStep,
  fullSyncGroupsOfStep,
  fullSyncUsersOfStep,
] as const;

/** The name of every known type, derived from the registry. */
export type TypeName = (typeof allTypes)[number]["type"];
