package org.openpair.guardian;

/**
 * FILE_GETRECEIVEINFO_ for one request.
 *
 * @param opener    the process that opened this server, or {@code null} for a requester
 *                  outside the node's processes (the {@code guardian send} command)
 * @param openId    the open the request came on, unique in the node
 * @param syncId    the request's sync ID on that open
 * @param syncDepth the open's sync depth
 */
public record ReceiveInfo(ProcessHandle opener, long openId, long syncId, int syncDepth) {
}
